using System.Text.Json;
using System.Text.Json.Serialization;

namespace BatchFcn.Scanning;

/// <summary>How plans and summaries are written as JSON (camelCase, enums as words, NaN allowed).</summary>
public static class ScanJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
