namespace Mkcdrec.Core.Platform;

/// <summary>
/// Read access to the machine's files: /sys, /proc, /dev, /etc. Capture reads everything through this,
/// so tests can point it at a recorded tree instead of the live machine.
/// </summary>
public interface ISystemFiles
{
    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>The text of a file, or null when it does not exist or cannot be read.</summary>
    string? ReadText(string path);

    /// <summary>Names (not paths) of the entries of a directory; empty when it does not exist.</summary>
    IReadOnlyList<string> ListDirectory(string path);

    /// <summary>The target of a symbolic link, or null when <paramref name="path"/> is not a link.</summary>
    string? ReadLink(string path);

    /// <summary>Opens a file or block device for reading.</summary>
    Stream OpenRead(string path);
}

/// <summary>Where log lines go. The CLI writes them to the run's log file (and the console with -v).</summary>
public interface ILog
{
    void Info(string message);

    void Warn(string message);

    void Debug(string message);
}

public sealed class NullLog : ILog
{
    public static readonly NullLog Instance = new();

    public void Info(string message)
    {
    }

    public void Warn(string message)
    {
    }

    public void Debug(string message)
    {
    }
}
