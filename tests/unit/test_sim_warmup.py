"""The simulator loads moto's botocore models at start, so a dashboard's first refresh does not wait for them."""

from __future__ import annotations

from moto.core.utils import get_pagination_model, get_service_model

from nexus_tui.sim.warmup import SERVICES, warm_models


def test_models_the_product_reads_are_loaded_once_at_start() -> None:
    warm_models()
    service_hits, paginator_hits = get_service_model.cache_info().hits, get_pagination_model.cache_info().hits
    for name in ("rds", "s3", "secretsmanager", "cloudwatch"):
        assert name in SERVICES
        get_service_model(name)
        get_pagination_model(name)
    # Every lookup after the warm-up is answered from moto's cache: nothing is loaded inside a request.
    assert get_service_model.cache_info().hits == service_hits + 4
    assert get_pagination_model.cache_info().hits == paginator_hits + 4


def test_a_service_without_paginators_is_not_an_error() -> None:
    warm_models(("events",))  # EventBridge ships no paginators file
    warm_models(("events",))
