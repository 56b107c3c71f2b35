namespace BatchFcn.Storage;

/// <summary>What a store knows of an object without reading it.</summary>
/// <param name="Length">Size in bytes.</param>
/// <param name="ETag">Version: changes whenever the object is replaced (use with <see cref="IBlobStore.TryUpdateAsync"/>).</param>
public sealed record BlobInfo(long Length, string ETag);
