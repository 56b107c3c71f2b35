namespace BatchFcn.Testing;

/// <summary>Marks a test class whose <see cref="ServiceFactAttribute"/> tests need Azurite
/// (<see cref="TestServices.AzureConnectionString"/>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresAzuriteAttribute : Attribute;
