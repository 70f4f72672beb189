using Mkcdrec.Core.Platform;

namespace Mkcdrec.Cli;

/// <summary>A timestamped log file per run; with -v every line also goes to standard error.</summary>
internal sealed class FileLog : ILog, IDisposable
{
    /// <summary>Where each run's log goes unless --log names a file (mkcdrec(8) FILES).</summary>
    public const string DefaultDirectory = "/var/log/mkcdrec";

    private readonly StreamWriter? _writer;
    private readonly bool _echo;
    private readonly object _gate = new();

    private FileLog(StreamWriter? writer, string? path, bool echo)
    {
        _writer = writer;
        Path = path;
        _echo = echo;
    }

    public string? Path { get; }

    public static FileLog Open(string? requested, string verb, bool echo)
    {
        var candidates = new List<string>();
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        var name = $"mkcdrec-{verb}-{stamp}-{Environment.ProcessId}.log";
        if (requested is not null)
        {
            var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(requested));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }

            return new FileLog(new StreamWriter(new FileStream(requested, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true }, requested, echo);
        }

        candidates.Add(DefaultDirectory);
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var home = Environment.GetEnvironmentVariable("HOME");
        if (!string.IsNullOrEmpty(state))
        {
            candidates.Add(System.IO.Path.Combine(state, "mkcdrec"));
        }
        else if (!string.IsNullOrEmpty(home))
        {
            candidates.Add(System.IO.Path.Combine(home, ".local/state/mkcdrec"));
        }

        foreach (var dir in candidates)
        {
            try
            {
                Directory.CreateDirectory(dir);
                var path = System.IO.Path.Combine(dir, name);
                var w = new StreamWriter(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
                return new FileLog(w, path, echo);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return new FileLog(null, null, echo);
    }

    private void Write(string level, string message)
    {
        var line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message}";
        lock (_gate)
        {
            _writer?.WriteLine(line);
            if (_echo)
            {
                Console.Error.WriteLine(line);
            }
        }
    }

    public void Info(string message) => Write("INFO ", message);

    public void Warn(string message)
    {
        Write("WARN ", message);
        if (!_echo)
        {
            Console.Error.WriteLine("mkcdrec: warning: " + message);
        }
    }

    public void Debug(string message) => Write("DEBUG", message);

    public void Dispose() => _writer?.Dispose();
}
