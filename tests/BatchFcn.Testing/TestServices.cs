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

    /// <summary>The variable holding the test broker's address (amqp://guest:guest@127.0.0.1:PORT/).</summary>
    public const string RabbitMqVariable = "BATCHFCN_TEST_RABBITMQ";

    /// <summary>The variable holding the test broker's management API (http://127.0.0.1:PORT, user guest).</summary>
    public const string RabbitMqManagementVariable = "BATCHFCN_TEST_RABBITMQ_MANAGEMENT";

    /// <summary>Why RabbitMQ tests are skipped, or <see langword="null"/> when they are to run.</summary>
    public static string? RabbitMqSkipReason() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(RabbitMqVariable)) || IsCi
            ? null
            : $"needs RabbitMQ: run ./build.sh test, which starts it and sets {RabbitMqVariable} (under CI=true this test fails instead)";

    /// <summary>The test broker's address.</summary>
    /// <exception cref="InvalidOperationException">It is not set (a CI run without RabbitMQ).</exception>
    public static string RabbitMqAddress() =>
        Environment.GetEnvironmentVariable(RabbitMqVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{RabbitMqVariable} is not set: these tests need RabbitMQ; run them with ./build.sh test, which starts it");

    /// <summary>The test broker's Prometheus endpoint (its <c>rabbitmq_prometheus</c> plugin).</summary>
    public static Uri RabbitMqPrometheus() =>
        new(Environment.GetEnvironmentVariable("BATCHFCN_TEST_RABBITMQ_PROMETHEUS") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("BATCHFCN_TEST_RABBITMQ_PROMETHEUS is not set; run the tests with ./build.sh test"));

    /// <summary>The Prometheus server binary <c>./build.sh test</c> installs (Debian's).</summary>
    public static string Prometheus() =>
        Environment.GetEnvironmentVariable("BATCHFCN_TEST_PROMETHEUS") is { Length: > 0 } value && File.Exists(value)
            ? value
            : throw new InvalidOperationException("BATCHFCN_TEST_PROMETHEUS is not set: the telemetry test needs Debian's prometheus; run it with ./build.sh test, which installs it");

    /// <summary>The test broker's management API.</summary>
    public static Uri RabbitMqManagement() =>
        new(Environment.GetEnvironmentVariable(RabbitMqManagementVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{RabbitMqManagementVariable} is not set; run the tests with ./build.sh test"));
}
