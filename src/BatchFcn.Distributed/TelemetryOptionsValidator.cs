using BatchFcn.Scanning;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>The rules of <see cref="TelemetryOptions"/>, checked once at start.</summary>
public sealed class TelemetryOptionsValidator(IOptions<DistributedOptions> distributed) : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Rules.Range(errors, "--metrics-port", "Telemetry:MetricsPort", options.MetricsPort, 0, 65535);
        if (options.MetricsPort != 0 && options.MetricsPort == distributed.Value.HealthPort)
        {
            errors.Add($"--metrics-port and --health-port are both {options.MetricsPort}; give them different ports");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
