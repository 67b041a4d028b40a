"""OpenAPI generation: only our v1 API, not the Wagtail admin's internal endpoints, the error
bodies every view declares, and the hooks that make the schema usable by client generators."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """A refusal that names no field: `{"detail": "..."}`."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read.")


class FieldErrorsSerializer(serializers.Serializer):
    """Input refused field by field: `{"<field>": ["message", ...]}`."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    """FieldErrors' keys are the request's field names (`non_field_errors` for the input as a
    whole: wrong credentials), so it is an object of string lists, not fixed properties. Its
    shape is the one DRF's validation errors and lms.api_errors (a DomainError with a field)
    answer."""

    target_class = FieldErrorsSerializer

    def get_name(self, auto_schema, direction):
        return "FieldErrors"

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": FieldErrorsSerializer.__doc__,
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }


INVALID_INPUT = PolymorphicProxySerializer(
    component_name="InvalidInput",
    serializers=[ErrorSerializer, FieldErrorsSerializer],
    resource_type_field_name=None,
)

ERRORS = {
    400: OpenApiResponse(INVALID_INPUT, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in"),
    403: OpenApiResponse(ErrorSerializer, description="Signed in but not allowed"),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not yours to see"),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state"),
    415: OpenApiResponse(ErrorSerializer, description="The body must be JSON"),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After"),
}


def error_responses(*codes):
    """The documented error bodies for these status codes."""
    return {code: ERRORS[code] for code in codes}


def error_response(code, description):
    """One status code's documented error body, described for this operation."""
    return OpenApiResponse(ERRORS[code].response, description=description)


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


def anonymous_operations_say_so(result, **kwargs):
    """`security: []` on an operation that takes no credentials (`extend_schema(auth=[])`, or
    no authentication class). drf-spectacular leaves the key out, or writes `[{}]` ("credentials
    optional") for AllowAny; a client generator reads neither as "anonymous"."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if operation.get("security", [{}]) == [{}]:
                operation["security"] = []
    return result


def query_enums_are_components(result, **kwargs):
    """A query parameter's enum that carries a `title` becomes the component of that name,
    shared by every operation that takes it: a client generator then makes one enum class
    (`ReportStatus`), not one for each operation. drf-spectacular does this for serializer
    fields (postprocess_schema_enums), not for parameters."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                name = schema.get("title")
                if "enum" not in schema or not name:
                    continue
                enum = {key: value for key, value in schema.items() if key != "title"}
                if components.setdefault(name, enum) != enum:
                    raise ValueError(f"Two query enums are named {name} with different values.")
                parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result
