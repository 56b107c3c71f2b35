using System.Globalization;

namespace BatchFcn.Scanning;

/// <summary>How validators phrase a broken rule, so every message reads the same.</summary>
internal static class Rules
{
    public static void Range(List<string> errors, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must lie in [{min}, {max}] (got {value})"));
        }
    }

    public static void Range(List<string> errors, string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must lie in [{min}, {max}] (got {value})"));
        }
    }
}
