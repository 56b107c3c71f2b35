using Xunit.Abstractions;
using Xunit.Sdk;

namespace BatchFcn.Testing;

/// <summary>Discovers <see cref="ServiceFactAttribute"/> tests as <see cref="ServiceTestCase"/>s.</summary>
public sealed class ServiceFactDiscoverer : FactDiscoverer
{
    public ServiceFactDiscoverer(IMessageSink diagnosticMessageSink)
        : base(diagnosticMessageSink)
    {
    }

    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new ServiceTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}
