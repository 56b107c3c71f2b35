namespace BatchFcn.Testing;

/// <summary>Marks a test class whose <see cref="ServiceFactAttribute"/> tests need RabbitMQ
/// (<see cref="TestServices.RabbitMqAddress"/>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresRabbitMqAttribute : Attribute;
