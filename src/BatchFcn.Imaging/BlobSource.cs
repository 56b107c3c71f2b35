using NetVips;

namespace BatchFcn.Imaging;

/// <summary>
/// A libvips source reading one blob through a <see cref="BlobBlockCache"/>, with its own position: libvips must
/// never open two images on one source, so each opened level gets its own. Both callbacks catch everything: an
/// exception escaping the seek callback would take the process down, and a read must either fill the request or
/// stop at the end of the blob (libtiff treats a short read as a corrupt tile).
/// </summary>
internal sealed class BlobSource : IDisposable
{
    private readonly BlobBlockCache blocks;
    private long position;

    public BlobSource(BlobBlockCache blocks)
    {
        this.blocks = blocks;
        Source = new SourceCustom();
        Source.OnRead += Read;
        Source.OnSeek += Seek;
    }

    public SourceCustom Source { get; }

    /// <summary>The last error a callback swallowed, to explain the libvips failure it causes.</summary>
    public Exception? Failure { get; private set; }

    public void Dispose() => Source.Dispose();

    private int Read(byte[] buffer, int length)
    {
        try
        {
            int read = blocks.Read(position, buffer.AsSpan(0, length));
            position += read;
            return read;
        }
        catch (Exception e)
        {
            Failure = e;
            return -1;
        }
    }

    private long Seek(long offset, SeekOrigin origin)
    {
        try
        {
            long target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => position + offset,
                SeekOrigin.End => blocks.Length + offset,
                _ => -1,
            };
            if (target < 0)
            {
                return -1;
            }

            position = target;
            return position;
        }
        catch (Exception e)
        {
            Failure = e;
            return -1;
        }
    }
}
