using System.Globalization;

namespace BatchFcn.Scanning;

/// <summary>How validators phrase a broken rule, so every message reads the same: the command-line option a user
/// types, and the configuration key (under <c>BatchFcn:</c>) that sets the same value.</summary>
internal static class Rules
{
    /// <summary>"; setting BatchFcn:Section:Key" for a message's parenthesis.</summary>
    public static string Setting(string key) => $"; setting BatchFcn:{key}";

    public static void Range(List<string> errors, string name, string setting, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must lie in [{min}, {max}] (got {value}{Setting(setting)})"));
        }
    }

    public static void Range(List<string> errors, string name, string setting, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must lie in [{min}, {max}] (got {value}{Setting(setting)})"));
        }
    }
}
