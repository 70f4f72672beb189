using System.Globalization;
using System.Text;

namespace Mkcdrec.Cli.Reference;

/// <summary>
/// Writes a man(7) page line by line, escaping text so that no description can be taken for a request: backslashes,
/// hyphens (as \- so that options and paths copy as typed), double quotes, a leading dot or apostrophe, and every
/// character beyond ASCII as \[uXXXX] (groff reads bytes as Latin-1 unless preconv runs first; mandoc reads both).
/// </summary>
internal sealed class ManPageWriter
{
    private readonly StringBuilder _text = new();

    // A paragraph macro straight after a heading or another paragraph macro is one too many (mandoc warns about it).
    private bool _inParagraph;

    public ManPageWriter(string title, int section, string manual)
    {
        Request($".TH {title.ToUpperInvariant()} {section} {Date()} {Quote($"mkcdrec {Version}")} {Quote(manual)}");
    }

    /// <summary>The version of the running mkcdrec, as the pages and --version show it.</summary>
    public static string Version => typeof(ManPageWriter).Assembly.GetName().Version?.ToString(3) ?? "0";

    public void Section(string name)
    {
        Request($".SH {Quote(name.ToUpperInvariant())}");
        _inParagraph = false;
    }

    public void SubSection(string name)
    {
        Request($".SS {Quote(name)}");
        _inParagraph = false;
    }

    /// <summary>A new paragraph of plain text (`code` spans in bold).</summary>
    public void Paragraph(string text)
    {
        if (_inParagraph)
        {
            Request(".PP");
        }

        Text(text);
    }

    /// <summary>Text continuing the current paragraph or item; each line of <paramref name="text"/> stays a line.</summary>
    public void Text(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            Line(Inline(line));
        }

        _inParagraph = true;
    }

    /// <summary>Text that is already roff (made with <see cref="Bold"/>, <see cref="Italic"/>, <see cref="Escape"/>).</summary>
    public void Roff(string roff)
    {
        Line(roff);
        _inParagraph = true;
    }

    /// <summary>An indented item: a tag line in roff, then its text.</summary>
    public void Item(string tagRoff, string text)
    {
        Request(".TP");
        Line(tagRoff);
        Text(text);
    }

    /// <summary>The next text starts on a new line of the same paragraph.</summary>
    public void Break() => Request(".br");

    /// <summary>Lines shown as they are (an example), indented, not filled.</summary>
    public void Example(IEnumerable<string> lines)
    {
        if (_inParagraph)
        {
            Request(".PP");
        }

        Request(".RS 4");
        Request(".nf");
        foreach (var l in lines)
        {
            Line(Escape(l));
        }

        Request(".fi");
        Request(".RE");
        _inParagraph = true;
    }

    public static string Bold(string text) => $"\\fB{Escape(text)}\\fR";

    public static string Italic(string text) => $"\\fI{Escape(text)}\\fR";

    /// <summary>Plain text as roff: markdown `code` spans become bold, everything else is escaped.</summary>
    public static string Inline(string text)
    {
        var parts = text.Split('`');
        if (parts.Length % 2 == 0)
        {
            return Escape(text); // an odd number of backquotes: no spans, the backquotes are text
        }

        return string.Concat(parts.Select((part, i) => i % 2 == 1 ? Bold(part) : Escape(part)));
    }

    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            sb.Append(rune.Value switch
            {
                '\\' => "\\e",
                '-' => "\\-",
                '"' => "\\(dq",
                '\t' => " ",
                < 0x80 => rune.ToString(),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\[u{rune.Value:X4}]"),
            });
        }

        return sb.ToString();
    }

    public override string ToString() => _text.ToString();

    private static string Quote(string text) => $"\"{Escape(text)}\"";

    /// <summary>The page's date: $SOURCE_DATE_EPOCH when a package build sets it (reproducible builds), else the day this
    /// mkcdrec binary was built.</summary>
    private static string Date()
    {
        var epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        var when = long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime
            : Environment.ProcessPath is { } self && File.Exists(self) ? File.GetLastWriteTimeUtc(self) : DateTime.UtcNow;
        return when.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private void Request(string request) => _text.Append(request).Append('\n');

    /// <summary>A text line: blank lines are left out (in filled text they are a paragraph break mandoc warns about), and
    /// one starting with . or ' gets \& in front, else it would be read as a request.</summary>
    private void Line(string roff)
    {
        var line = roff.Trim();
        if (line.Length > 0)
        {
            _text.Append(line[0] is '.' or '\'' ? "\\&" + line : line).Append('\n');
        }
    }
}
