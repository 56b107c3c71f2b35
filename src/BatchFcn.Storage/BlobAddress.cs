namespace BatchFcn.Storage;

/// <summary>Where a user says a file or folder is: <c>az://&lt;container&gt;/&lt;path&gt;</c> in Azure blob storage,
/// or a local path. <see cref="Parse"/> checks Azure container names and paths and says what is wrong in the
/// user's words.</summary>
public sealed record BlobAddress
{
    /// <summary>The scheme of Azure blob addresses.</summary>
    public const string AzureScheme = "az://";

    private BlobAddress(string text, string? container, string path)
    {
        Text = text;
        Container = container;
        Path = path;
    }

    /// <summary>The address as the user wrote it.</summary>
    public string Text { get; }

    /// <summary>The Azure container, or <see langword="null"/> for a local path.</summary>
    public string? Container { get; }

    /// <summary>For Azure, the blob path inside the container without leading or trailing '/' (empty for the
    /// container itself); for a local path, the full path.</summary>
    public string Path { get; }

    /// <summary>Whether the address is in Azure blob storage.</summary>
    public bool IsAzure => Container is not null;

    /// <summary>Parses an address.</summary>
    /// <exception cref="FormatException">The address is malformed; the message says why.</exception>
    public static BlobAddress Parse(string address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new FormatException("an empty address: give a local path or az://<container>/<path>");
        }

        if (!address.StartsWith(AzureScheme, StringComparison.OrdinalIgnoreCase))
        {
            int scheme = address.IndexOf("://", StringComparison.Ordinal);
            if (scheme > 0 && address[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '.' or '-'))
            {
                throw new FormatException($"'{address}': only local paths and az://<container>/<path> addresses are supported");
            }

            return new BlobAddress(address, null, System.IO.Path.GetFullPath(address));
        }

        if (!address.StartsWith(AzureScheme, StringComparison.Ordinal))
        {
            throw new FormatException($"'{address}': write the scheme in lowercase, as {AzureScheme}");
        }

        var rest = address[AzureScheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? string.Empty : rest[(slash + 1)..];
        if (!IsContainerName(container))
        {
            throw new FormatException($"'{address}': container names are 3-63 lowercase letters, digits and hyphens, " +
                "starting and ending with a letter or digit, with no two hyphens in a row");
        }

        var trimmed = path.TrimEnd('/');
        if (trimmed.Length > 0 && trimmed.Split('/').Any(s => s.Length == 0 || s is "." or ".."))
        {
            throw new FormatException($"'{address}': the path inside the container has an empty, '.' or '..' part");
        }

        if (trimmed.Length > 1024)
        {
            throw new FormatException($"'{address}': blob paths are at most 1024 characters");
        }

        return new BlobAddress(address, container, trimmed);
    }

    /// <summary>Whether a name follows Azure's container naming rules.</summary>
    public static bool IsContainerName(string name) =>
        name is { Length: >= 3 and <= 63 }
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-'
        && !name.Contains("--", StringComparison.Ordinal);

    public override string ToString() => Text;
}
