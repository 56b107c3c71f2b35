using System.Text.Json;

namespace BatchFcn.Conversion;

/// <summary>
/// The names of a model's classes, read from a file given to <c>convert --labels</c>: one name per line (blank lines
/// at the end ignored), or JSON — an array of names, an object mapping each index ("0", "1", …) to its name, or
/// <c>{"labels": [...], "positive": "name"}</c>. Names must be non-empty and distinct. <see cref="Positive"/> is the
/// class a heatmap shows by default.
/// </summary>
public sealed record ClassLabels(IReadOnlyList<string> Names, string? Positive)
{
    /// <summary>Reads and checks a labels file.</summary>
    /// <exception cref="ConversionException">The file is missing, unreadable or malformed, or its names are empty or repeated.</exception>
    public static ClassLabels Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConversionException($"--labels '{path}' cannot be read: {e.Message}", e);
        }

        var labels = text.TrimStart() is ['[' or '{', ..] ? FromJson(text, path) : new ClassLabels(Lines(text), null);
        if (labels.Names.Count == 0)
        {
            throw new ConversionException($"--labels '{path}' names no classes");
        }

        if (labels.Names.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            throw new ConversionException($"--labels '{path}': class {labels.Names.ToList().FindIndex(string.IsNullOrWhiteSpace)} has an empty name");
        }

        if (labels.Names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ConversionException($"--labels '{path}' names '{twice.Key}' more than once");
        }

        return labels.WithPositive(labels.Positive, path);
    }

    /// <summary>The same labels with <paramref name="positive"/> (a name among them) as the default heatmap class.</summary>
    /// <exception cref="ConversionException">The name is not one of the labels.</exception>
    public ClassLabels WithPositive(string? positive, string where) =>
        positive is null || Names.Contains(positive, StringComparer.Ordinal) ? this with { Positive = positive }
            : throw new ConversionException($"the positive class '{positive}' ({where}) is not one of the labels: {string.Join(", ", Names)}");

    /// <summary>Checks the count against the model's classes.</summary>
    /// <exception cref="ConversionException">They differ.</exception>
    public void Check(long classes, string path)
    {
        if (Names.Count != classes)
        {
            throw new ConversionException($"--labels '{path}' names {Names.Count} classes; the model has {classes}");
        }
    }

    private static List<string> Lines(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static ClassLabels FromJson(string text, string path)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return new ClassLabels(Strings(root, path), null);
            }

            if (root.TryGetProperty("labels", out var names))
            {
                if (root.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("labels" or "positive")) is { } unknown)
                {
                    throw new ConversionException($"--labels '{path}': unknown key '{unknown}' (an object with \"labels\" may also hold \"positive\", nothing else)");
                }

                string? positive = root.TryGetProperty("positive", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                return new ClassLabels(Strings(names, path), positive);
            }

            var byIndex = root.EnumerateObject().Select(p => (Index: int.TryParse(p.Name, out int i) ? i : -1, p.Value)).ToList();
            if (byIndex.Any(e => e.Index < 0 || e.Value.ValueKind != JsonValueKind.String))
            {
                throw new ConversionException($"--labels '{path}': an object must map class indices (\"0\", \"1\", …) to names, or hold \"labels\": [...]");
            }

            var ordered = byIndex.OrderBy(e => e.Index).ToList();
            if (ordered.Select((e, i) => e.Index != i).Any(b => b))
            {
                throw new ConversionException($"--labels '{path}': the class indices must run 0, 1, 2, … without gaps");
            }

            return new ClassLabels(ordered.Select(e => e.Value.GetString()!).ToList(), null);
        }
        catch (JsonException e)
        {
            throw new ConversionException($"--labels '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    private static List<string> Strings(JsonElement array, string path) =>
        array.ValueKind == JsonValueKind.Array && array.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? array.EnumerateArray().Select(e => e.GetString()!).ToList()
            : throw new ConversionException($"--labels '{path}': the labels must be an array of strings");
}
