namespace Mkcdrec.Formats.Tar;

/// <summary>
/// A stream that can take a filled buffer over instead of copying it: <see cref="PaxTarWriter"/> hands its buffer to
/// such an output and goes on in the buffer it gets back (no copy of the tar stream between two pipeline stages).
/// </summary>
public interface IBufferExchange
{
    /// <summary>
    /// Takes <paramref name="full"/> (its first <paramref name="length"/> bytes are the data; the caller must not touch it
    /// again) and returns a buffer of the same length for the caller to fill next.
    /// </summary>
    byte[] Exchange(byte[] full, int length);
}
