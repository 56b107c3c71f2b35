using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>The rules of <see cref="NodeOptions"/>, checked once at start.</summary>
public sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Rules.Range(errors, "--readers", "Node:Readers", options.Readers, 0, 64);
        Rules.Range(errors, "--batch", "Node:BatchSize", options.BatchSize, 1, 256);
        Rules.Range(errors, "max batch pixels", "Node:MaxBatchPixels", options.MaxBatchPixels, 1L << 16, 1L << 30);
        Rules.Range(errors, "cache size", "Node:CacheMaxBytes", options.CacheMaxBytes, 1L << 20, long.MaxValue);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
