using System.Text;

namespace Mkcdrec.Cli;

/// <summary>Reading from the user's terminal.</summary>
internal static class Terminal
{
    /// <summary>
    /// Shows <paramref name="prompt"/> on standard error and reads a line without echoing it (for passphrases); with a
    /// <paramref name="timeout"/>, returns null when the line is not complete in time.
    /// </summary>
    public static string? ReadHidden(string prompt, TimeSpan? timeout = null)
    {
        Console.Error.Write(prompt);
        var deadline = timeout is { } t ? DateTime.UtcNow + t : DateTime.MaxValue;
        var sb = new StringBuilder();
        while (true)
        {
            if (!KeyBefore(deadline))
            {
                Console.Error.WriteLine();
                return null;
            }

            var k = Console.ReadKey(intercept: true);
            if (k.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (k.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                {
                    sb.Length--;
                }

                continue;
            }

            sb.Append(k.KeyChar);
        }

        Console.Error.WriteLine();
        return sb.ToString();
    }

    /// <summary>Waits for a key press until <paramref name="deadline"/> (polling: Console has no read with a timeout).</summary>
    private static bool KeyBefore(DateTime deadline)
    {
        if (deadline == DateTime.MaxValue)
        {
            return true;
        }

        while (!Console.KeyAvailable)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }
}
