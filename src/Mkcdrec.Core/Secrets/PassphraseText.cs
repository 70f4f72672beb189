namespace Mkcdrec.Core.Secrets;

/// <summary>
/// The one rule for a passphrase kept in a file (--passphrase-file, backup.passphrase, luks/UUID.passphrase): its first
/// line, without the newline — what one types at a prompt, as openssl's -pass file: reads it.
/// </summary>
public static class PassphraseText
{
    public static byte[] FirstLine(ReadOnlySpan<byte> text)
    {
        var nl = text.IndexOf((byte)'\n');
        return (nl < 0 ? text : text[..nl]).ToArray();
    }

    /// <summary>The first line of <paramref name="file"/>; refuses an unreadable file or an empty first line.</summary>
    public static byte[] Read(string file)
    {
        byte[] all;
        try
        {
            all = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Cannot read the passphrase file '{file}': {e.Message}", "Check the path and its permissions.");
        }

        var line = FirstLine(all);
        Array.Clear(all);
        if (line.Length == 0)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The passphrase file '{file}' is empty.", "Put the passphrase on its first line.");
        }

        return line;
    }
}
