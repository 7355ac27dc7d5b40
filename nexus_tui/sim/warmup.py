"""Load moto's botocore models at simulator start, not inside the first request that needs them.

moto loads a service's API model (the shapes its response serializer walks) and its paginators the first time
a request needs them, and each load starts a fresh botocore Loader that scans every data directory to find the
file. Seeding loads some of them; the paginators and the models of services seeding never answers waited for a
dashboard's first refresh: measured ~0.5 s of the simulator's CPU inside it, where AWS, always warm, charges
nothing. Loaded once per process (moto caches them), so a second simulator in the same process pays nothing.
"""

from __future__ import annotations

from contextlib import suppress

from botocore.exceptions import DataNotFoundError, UnknownServiceError

# What the product reads and acts on (sources/aws); a service missing here is still loaded on first use.
SERVICES = ("rds", "s3", "secretsmanager", "cloudwatch", "route53", "sts")


def warm_models(services: tuple[str, ...] = SERVICES) -> None:
    from moto.core.utils import get_pagination_model, get_service_model

    for name in services:
        get_service_model(name)
        with suppress(DataNotFoundError, UnknownServiceError):  # no paginators: moto never asks for them
            get_pagination_model(name)
