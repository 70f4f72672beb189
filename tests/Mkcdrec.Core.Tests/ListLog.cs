using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests;

/// <summary>A log that keeps every line (thread-safe): for tests that check what was logged.</summary>
internal sealed class ListLog : ILog
{
    public List<string> Lines { get; } = [];

    public void Info(string message)
    {
        lock (Lines)
        {
            Lines.Add(message);
        }
    }

    public void Warn(string message) => Info(message);

    public void Debug(string message) => Info(message);
}
