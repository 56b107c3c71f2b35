using BatchFcn.Inference;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>The rules of <see cref="BackendOptions"/>, checked once at start.</summary>
public sealed class BackendOptionsValidator : IValidateOptions<BackendOptions>
{
    public ValidateOptionsResult Validate(string? name, BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Backend is not ("auto" or "cpu" or "cuda"))
        {
            errors.Add($"--backend '{options.Backend}' is not one of auto, cpu, cuda ({Rules.Setting("Backend:Backend")[2..]})");
        }

        Rules.Range(errors, "--threads", "Backend:Threads", options.Threads, 0, 1024);
        Rules.Range(errors, "device", "Backend:DeviceId", options.DeviceId, 0, 64);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
