using Xunit;
using Xunit.Sdk;

namespace BatchFcn.Testing;

/// <summary>A fact that is skipped (outside CI) when its concrete test class is marked
/// <see cref="RequiresAzuriteAttribute"/> and Azurite is not running. Declared on an abstract contract class,
/// it runs in every subclass and is skipped only in those that need the service.</summary>
[XunitTestCaseDiscoverer("BatchFcn.Testing.ServiceFactDiscoverer", "BatchFcn.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ServiceFactAttribute : FactAttribute;
