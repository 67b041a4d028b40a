"""OpenAPI generation: only our v1 API, not the Wagtail admin's internal endpoints."""


def only_v1_endpoints(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
