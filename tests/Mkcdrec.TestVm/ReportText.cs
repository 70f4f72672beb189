using System.Text;
using System.Text.RegularExpressions;

namespace Mkcdrec.TestVm;

/// <summary>
/// Console text made fit for a test report: ANSI escape sequences removed and every other character XML 1.0 forbids
/// (C0 controls but tab, newline, return; lone surrogates) shown as \xNN. xunit.v3 4.x writes its result file cut short,
/// silently, when test output holds them (xunit/xunit#3634): a serial console's ESC[6n did that to SystemTests.xml.
/// </summary>
public static partial class ReportText
{
    public static string Printable(string s)
    {
        s = Ansi().Replace(s, "");
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
            }
            else if ((c < ' ' && c is not '\t' and not '\n' and not '\r') || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")]
    private static partial Regex Ansi();
}
