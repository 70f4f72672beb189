namespace Mkcdrec.Core.Scheduled;

/// <summary>Who hears about a scheduled run, and when: <see cref="Always"/> false mails only a failure.</summary>
public sealed record MailSettings(IReadOnlyList<string> To, bool Always)
{
    public static readonly MailSettings None = new([], false);

    /// <summary>"a@example.org, root" as the list of recipients; each must be a plain address or a local user name.</summary>
    public static IReadOnlyList<string> ParseRecipients(string value) =>
        value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Why <paramref name="value"/> is not a recipient list (null when it is one): no header injection, no options for sendmail.</summary>
    public static string? Check(string value)
    {
        var list = ParseRecipients(value);
        if (list.Count == 0)
        {
            return "no address is given";
        }

        var bad = list.FirstOrDefault(a => a.StartsWith('-') || a.Any(c => char.IsControl(c) || c is '<' or '>' or '"' or ';' or '(' or ')')
                                           || a.Count(c => c == '@') > 1 || a.EndsWith('@') || a.StartsWith('@'));
        return bad is null ? null : $"'{bad}' is not an address (user@host or a local user name)";
    }

    /// <summary>failure or always as <see cref="Always"/>; null for anything else.</summary>
    public static bool? ParseWhen(string value) => value switch
    {
        "failure" => false,
        "always" => true,
        _ => null,
    };
}
