using System.CommandLine;
using System.CommandLine.Parsing;

namespace BatchFcn.Cli;

/// <summary>What a command line that does not parse prints: each error on a line, the nearest option name for a
/// misspelt one, and a one-line pointer to the command's help (not the whole help, which buries the error).</summary>
internal static class UsageErrors
{
    /// <summary>Exit status for a command line that does not parse.</summary>
    public const int ExitCode = 1;

    public static int Write(ParseResult parse, TextWriter stderr)
    {
        var command = parse.CommandResult.Command;
        foreach (var error in parse.Errors)
        {
            stderr.WriteLine($"error: {error.Message}");
        }

        foreach (string token in parse.UnmatchedTokens.Where(t => t.StartsWith('-')))
        {
            string? nearest = Nearest(token, command);
            if (nearest is not null)
            {
                stderr.WriteLine($"did you mean {nearest}?");
            }
        }

        stderr.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' to see its options.");
        return ExitCode;
    }

    /// <summary>The option of <paramref name="command"/> closest to <paramref name="token"/> (at most two edits, or
    /// one the token begins), if any.</summary>
    internal static string? Nearest(string token, Command command)
    {
        string name = token.Split('=', 2)[0];
        return command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal))
            .Select(n => (Name: n, Distance: n.StartsWith(name, StringComparison.Ordinal) && name.Length > 3 ? 1 : Distance(name, n)))
            .Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
        {
            names.Add(c.Command is RootCommand ? "batchfcn" : c.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Edit distance (insertions, deletions, substitutions).</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
