namespace BatchFcn.Distributed.Tests;

/// <summary>The tests that run workers against the shared test broker run one at a time: one restarts the broker, and
/// each starts worker processes that would otherwise crowd a small machine's cores.</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection
{
    public const string Name = "broker";
}
