namespace BatchFcn.Distributed;

/// <summary>
/// A RabbitMQ broker as <c>amqp://user:password@host:port/vhost</c> (<c>amqps://</c> for TLS; the vhost is URL-encoded,
/// <c>/</c> when absent). <see cref="ToString"/> never shows the password: addresses appear in logs and errors.
/// </summary>
public sealed class RabbitMqAddress
{
    /// <summary>The environment variable read when no address is given on the command line or in configuration.</summary>
    public const string Variable = "BATCHFCN_RABBITMQ";

    private RabbitMqAddress(string host, int port, string virtualHost, string user, string password, bool tls)
    {
        Host = host;
        Port = port;
        VirtualHost = virtualHost;
        User = user;
        Password = password;
        UseTls = tls;
    }

    public string Host { get; }

    public int Port { get; }

    public string VirtualHost { get; }

    public string User { get; }

    public string Password { get; }

    public bool UseTls { get; }

    /// <summary>Parses an address.</summary>
    /// <exception cref="FormatException">Not an amqp:// or amqps:// address; the message does not repeat a password.</exception>
    public static RabbitMqAddress Parse(string address)
    {
        if (string.IsNullOrWhiteSpace(address) || !Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps")
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("the RabbitMQ address must look like amqp://user:password@host:5672/vhost (amqps:// for TLS)");
        }

        string user = "guest", password = "guest";
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        }

        bool tls = uri.Scheme == "amqps";
        int port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 5671 : 5672) : uri.Port;
        string path = uri.AbsolutePath.TrimStart('/');
        string vhost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
        return new RabbitMqAddress(uri.Host, port, vhost, user, password, tls);
    }

    /// <summary>The address given on the command line (or in configuration), else <see cref="Variable"/>.</summary>
    /// <exception cref="FormatException">None given, or malformed.</exception>
    public static RabbitMqAddress FromOptionOrEnvironment(string? given)
    {
        string? address = string.IsNullOrWhiteSpace(given) ? Environment.GetEnvironmentVariable(Variable) : given;
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new FormatException($"no RabbitMQ broker: give --rabbitmq amqp://user:password@host:5672/vhost or set {Variable}");
        }

        return Parse(address);
    }

    /// <summary>The address without its password.</summary>
    public override string ToString() =>
        $"{(UseTls ? "amqps" : "amqp")}://{Uri.EscapeDataString(User)}@{Host}:{Port}/{(VirtualHost == "/" ? string.Empty : Uri.EscapeDataString(VirtualHost))}";
}
