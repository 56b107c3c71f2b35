namespace BatchFcn.Distributed.Tests;

public sealed class RabbitMqAddressTests
{
    [Fact]
    public void Parse_FullAddress_ReadsEveryPart()
    {
        var a = RabbitMqAddress.Parse("amqp://user:p%40ss@broker.example:5673/scans%2Fprod");
        Assert.Equal(("broker.example", 5673, "scans/prod", "user", "p@ss", false), (a.Host, a.Port, a.VirtualHost, a.User, a.Password, a.UseTls));
    }

    [Fact]
    public void Parse_Defaults_GuestPort5672RootVhostOr5671ForTls()
    {
        var plain = RabbitMqAddress.Parse("amqp://localhost");
        var tls = RabbitMqAddress.Parse("amqps://u:p@host/");
        Assert.Equal((5672, "/", "guest"), (plain.Port, plain.VirtualHost, plain.User));
        Assert.Equal((5671, "/", true), (tls.Port, tls.VirtualHost, tls.UseTls));
    }

    [Fact]
    public void ToString_WithPassword_NeverShowsIt()
    {
        var a = RabbitMqAddress.Parse("amqp://user:secret-pw@host:5672/v");
        Assert.Equal("amqp://user@host:5672/v", a.ToString());
        Assert.DoesNotContain("secret-pw", a.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://host:5672")]
    [InlineData("host:5672")]
    [InlineData("amqp://user:secret-pw@")]
    [InlineData("")]
    public void Parse_NotAnAmqpAddress_SaysWhatOneLooksLikeWithoutEchoingIt(string address)
    {
        var e = Assert.Throws<FormatException>(() => RabbitMqAddress.Parse(address));
        Assert.Contains("amqp://user:password@host:5672/vhost", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromOptionOrEnvironment_NothingGiven_NamesTheOptionAndVariable()
    {
        string? saved = Environment.GetEnvironmentVariable(RabbitMqAddress.Variable);
        Environment.SetEnvironmentVariable(RabbitMqAddress.Variable, null);
        try
        {
            var e = Assert.Throws<FormatException>(() => RabbitMqAddress.FromOptionOrEnvironment(null));
            Assert.Contains("--rabbitmq", e.Message, StringComparison.Ordinal);
            Assert.Contains(RabbitMqAddress.Variable, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RabbitMqAddress.Variable, saved);
        }
    }
}
