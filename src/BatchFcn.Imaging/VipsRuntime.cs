using NetVips;

namespace BatchFcn.Imaging;

/// <summary>Checks once that the system libvips loads, and bounds its cache for long-running processes.</summary>
public static class VipsRuntime
{
    private static readonly Lazy<string> Version = new(() =>
    {
        try
        {
            if (!ModuleInitializer.VipsInitialized)
            {
                throw new ImageReadException(
                    "libvips could not be loaded: install it with 'apt-get install libvips42' (Debian/Ubuntu). " +
                    (ModuleInitializer.Exception?.Message ?? string.Empty));
            }

            Cache.MaxMem = 256L * 1024 * 1024;
            Cache.MaxFiles = 32;
            return $"libvips {NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}";
        }
        catch (TypeInitializationException e)
        {
            throw new ImageReadException("libvips could not be loaded: install it with 'apt-get install libvips42' (Debian/Ubuntu)", e);
        }
    });

    /// <summary>The libvips version string.</summary>
    /// <exception cref="ImageReadException">libvips is not installed.</exception>
    public static string EnsureAvailable() => Version.Value;

    /// <summary>Whether a loader (e.g. "openslideload") is compiled into the libvips in use.</summary>
    public static bool HasOperation(string name)
    {
        EnsureAvailable();
        return NetVips.NetVips.TypeFind("VipsOperation", name) != IntPtr.Zero;
    }
}
