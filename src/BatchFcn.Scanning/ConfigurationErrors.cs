using System.Text.RegularExpressions;

namespace BatchFcn.Scanning;

/// <summary>The configuration binder's refusals (a key no option has, a value of the wrong type) in a user's words.</summary>
public static partial class ConfigurationErrors
{
    /// <summary>What is wrong with the configuration, naming the setting.</summary>
    public static string Explain(InvalidOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (UnknownKeys().Match(e.Message) is { Success: true } unknown)
        {
            string type = unknown.Groups["type"].Value.Split('.')[^1];
            string section = Sections.TryGetValue(type, out var s) ? s : type;
            var keys = unknown.Groups["keys"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(k => k.Trim('\''));
            return $"unknown setting(s) {string.Join(", ", keys.Select(k => $"{section}:{k}"))}: {section} has no such option (misspelt?)";
        }

        if (e.Message.StartsWith("PrometheusExporter HttpListener could not be started", StringComparison.Ordinal))
        {
            return $"the metrics port cannot be opened ({e.InnerException?.Message ?? "unknown reason"}); choose another with --metrics-port or BatchFcn:Telemetry:MetricsPort";
        }

        if (BadValue().Match(e.Message) is { Success: true } bad)
        {
            string type = bad.Groups["type"].Value.Split('.')[^1] switch
            {
                "Int32" or "Int64" => "a whole number",
                "Double" => "a number",
                "Boolean" => "true or false",
                "TimeSpan" => "a duration (hh:mm:ss)",
                var other => other,
            };
            return $"setting {bad.Groups["key"].Value} must be {type}";
        }

        return e.Message;
    }

    private static readonly Dictionary<string, string> Sections = new()
    {
        ["ScanOptions"] = "BatchFcn:Scan",
        ["OutputOptions"] = "BatchFcn:Output",
        ["NodeOptions"] = "BatchFcn:Node",
        ["BackendOptions"] = "BatchFcn:Backend",
        ["DistributedOptions"] = "BatchFcn:Distributed",
        ["TelemetryOptions"] = "BatchFcn:Telemetry",
        ["Normalization"] = "BatchFcn:Scan:Normalization",
    };

    [GeneratedRegex(@"not found on the instance of (?:type )?'?(?<type>[\w.]+)'?: (?<keys>.+)$", RegexOptions.Singleline)]
    private static partial Regex UnknownKeys();

    [GeneratedRegex(@"configuration value (?:'[^']*' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BadValue();
}
