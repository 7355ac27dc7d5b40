"""Finding and loading the config file.

Location: --config PATH, else $NEXUS_TUI_CONFIG, else <XDG config dir>/nexus-tui/config.toml (platformdirs).
A missing default file is fine (everything has a default); a missing --config file is an error.
"""

from __future__ import annotations

from pathlib import Path

from nexus_tui.config.model import AppConfig, ConfigError
from nexus_tui.config.paths import default_config_path
from nexus_tui.config.reader import Reader, decode, line_of, parse_toml, shown
from nexus_tui.config.sections import parse_data


def parse_config(text: str, path: Path) -> AppConfig:
    return parse_data(Reader(path, text, parse_toml(text, path)))


def load_config(path: Path | None = None, *, required: bool | None = None, check_profile: bool = True) -> AppConfig:
    """Load and validate. `required` defaults to True when a path is given explicitly. `check_profile`
    reports an aws.profile that no AWS config or credentials file defines (the demo does not use it)."""
    explicit = path is not None
    target = Path(path) if path is not None else default_config_path()
    must_exist = explicit if required is None else required
    try:
        with target.open("rb") as f:
            raw = f.read(2 * 1024 * 1024)
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"{target}: config file not found") from None
        return AppConfig()
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read config: {exc.strerror or exc}") from None
    text = decode(raw, target)
    config = parse_config(text, target)
    if check_profile and config.aws.profile is not None:
        problem = profile_problem(config.aws.profile)
        if problem is not None:
            line = line_of(text, "aws.profile")
            raise ConfigError(f"{target}:{line or '-'}: aws.profile: {problem}")
    return config


def profile_problem(profile: str) -> str | None:
    """Why botocore would not find this named profile, or None. Asked of botocore itself (it reads
    AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE and both default files) rather than re-implemented."""
    import botocore.exceptions
    import botocore.session

    try:
        known = botocore.session.Session().available_profiles
    except botocore.exceptions.BotoCoreError as exc:
        return f"cannot read the AWS config files: {str(exc).splitlines()[0]}"
    if profile in known:
        return None
    listed = ", ".join(sorted(known)[:10]) or "none"
    return f"no AWS profile {shown(profile)} in the AWS config or credentials files (profiles: {listed})"
