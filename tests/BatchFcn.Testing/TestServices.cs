namespace BatchFcn.Testing;

/// <summary>The external services some tests need (Azurite, the Azure Storage emulator), as <c>./build.sh test</c>
/// starts them: it exports their connection strings in environment variables.</summary>
/// <remarks>Without the variable, a test that needs the service fails under <c>CI=true</c> (a CI run must not
/// pass by skipping) and is skipped otherwise, with a reason saying how to run it. xunit 2.9 has no dynamic
/// skip (<c>Assert.Skip</c> is xunit v3), so the skip is decided when tests are discovered, by
/// <see cref="ServiceFactAttribute"/> on test classes marked <see cref="RequiresAzuriteAttribute"/>.</remarks>
public static class TestServices
{
    /// <summary>The variable holding Azurite's connection string (blob and table endpoints).</summary>
    public const string AzureStorageVariable = "BATCHFCN_TEST_AZURE_STORAGE";

    /// <summary>Whether this is a CI run (<c>CI=true</c>), where a missing service is a failure, not a skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why Azure tests are skipped, or <see langword="null"/> when they are to run (the service is
    /// there, or this is CI, where they then fail in <see cref="AzureConnectionString"/>).</summary>
    public static string? AzureSkipReason() =>
        HasAzureStorage || IsCi
            ? null
            : $"needs Azurite: run ./build.sh test, which starts it and sets {AzureStorageVariable} (under CI=true this test fails instead)";

    /// <summary>Whether Azurite's connection string is set.</summary>
    public static bool HasAzureStorage => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(AzureStorageVariable));

    /// <summary>Azurite's connection string.</summary>
    /// <exception cref="InvalidOperationException">It is not set (a CI run without Azurite).</exception>
    public static string AzureConnectionString() =>
        Environment.GetEnvironmentVariable(AzureStorageVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{AzureStorageVariable} is not set: Azure tests need Azurite; run them with ./build.sh test, which starts it");
}
