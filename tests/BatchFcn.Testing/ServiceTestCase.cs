using Xunit.Abstractions;
using Xunit.Sdk;

namespace BatchFcn.Testing;

/// <summary>A test case skipped when the services its concrete class needs are missing (see
/// <see cref="TestServices.AzureSkipReason"/>); otherwise an ordinary fact.</summary>
public sealed class ServiceTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes", error: true)]
    public ServiceTestCase()
    {
    }

    public ServiceTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        bool needsAzurite = TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresAzuriteAttribute)).Any();
        bool needsRabbitMq = TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresRabbitMqAttribute)).Any();
        return (needsAzurite ? TestServices.AzureSkipReason() : null) ?? (needsRabbitMq ? TestServices.RabbitMqSkipReason() : null)
            ?? base.GetSkipReason(factAttribute);
    }
}
