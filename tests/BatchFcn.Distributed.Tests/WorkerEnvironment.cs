namespace BatchFcn.Distributed.Tests;

/// <summary>A process environment as the generic host reads it: <c>BatchFcn__Section__Key</c> variables become
/// configuration keys <c>BatchFcn:Section:Key</c>; with <see cref="WithStorage"/>, <c>BATCHFCN_STORAGE</c> becomes the
/// storage connection string.</summary>
internal static class WorkerEnvironment
{
    public static IEnumerable<KeyValuePair<string, string?>> Settings(IReadOnlyDictionary<string, string> environment) => environment
        .Where(e => e.Key.StartsWith("BatchFcn__", StringComparison.Ordinal))
        .Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value));

    public static IEnumerable<KeyValuePair<string, string?>> WithStorage(IReadOnlyDictionary<string, string> environment) =>
        Settings(environment).Append(KeyValuePair.Create("BatchFcn:Storage:ConnectionString", (string?)environment["BATCHFCN_STORAGE"]));
}
