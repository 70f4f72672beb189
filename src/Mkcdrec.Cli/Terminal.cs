using System.Text;

namespace Mkcdrec.Cli;

/// <summary>Reading from the user's terminal.</summary>
internal static class Terminal
{
    /// <summary>Shows <paramref name="prompt"/> on standard error and reads a line without echoing it (for passphrases).</summary>
    public static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var sb = new StringBuilder();
        while (true)
        {
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
}
