namespace BatchFcn.Imaging;

/// <summary>An image that cannot be opened or read as asked; the message names the file and the problem.</summary>
public sealed class ImageReadException : Exception
{
    public ImageReadException(string message)
        : base(message)
    {
    }

    public ImageReadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ImageReadException()
    {
    }
}
