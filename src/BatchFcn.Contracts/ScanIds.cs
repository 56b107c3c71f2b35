namespace BatchFcn.Contracts;

/// <summary>The rule for scan ids, which name blobs and folders: 1 to 64 letters, digits, '-', '_' or '.', not starting
/// with '.', so no id can climb out of its folder or hide.</summary>
public static class ScanIds
{
    public const int MaxLength = 64;

    /// <summary>Why <paramref name="id"/> is not a valid scan id, or <see langword="null"/> when it is.</summary>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "a scan id cannot be empty";
        }

        if (id.Length > MaxLength)
        {
            return $"scan id '{id[..16]}…' has {id.Length} characters; at most {MaxLength} are allowed";
        }

        if (id[0] == '.' || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            return $"scan id '{id}' may hold only letters, digits, '-', '_' and '.' (not first), so it can name a folder";
        }

        return null;
    }

    /// <summary>A fresh id: the UTC time and a random suffix, sortable by submission time.</summary>
    public static string New(DateTimeOffset now) => $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..24];
}
