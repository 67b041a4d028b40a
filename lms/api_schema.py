"""OpenAPI generation: only our v1 API, not the Wagtail admin's internal endpoints, and the
error responses every view declares."""

from drf_spectacular.utils import OpenApiResponse

ERRORS = {
    400: OpenApiResponse(description="Invalid input"),
    401: OpenApiResponse(description="Not signed in"),
    403: OpenApiResponse(description="Signed in but not allowed"),
    404: OpenApiResponse(description="Not found, or not yours to see"),
    409: OpenApiResponse(description="Conflicts with the current state"),
    429: OpenApiResponse(description="Too many requests; see Retry-After"),
}


def error_responses(*codes):
    return {code: ERRORS[code] for code in codes}


def only_v1_endpoints(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def ids_are_not_negative(result, **kwargs):
    """Our `<id:...>` converter matches digits only: say so, so a client (or a fuzzer) knows
    `/attempts/-3/submit/` is not an address of this API at all."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 0)
    return result
