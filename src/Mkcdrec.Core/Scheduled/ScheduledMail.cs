using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Scheduled;

/// <summary>
/// Mails a scheduled run's result through the machine's own sendmail (Postfix, Exim, msmtp, nullmailer all provide one):
/// mkcdrec holds no mail credentials and speaks no SMTP itself. A failure is mailed when recipients are set; a success
/// only with mail-on = always.
/// </summary>
public static class ScheduledMail
{
    private const int OutputLines = 60;

    /// <summary>Sends when due; returns a note for the summary line when it did not go (null when sent or not due).</summary>
    public static string? SendIfDue(IProcessRunner run, ILog log, MailSettings mail, string host, ScheduledOutcome outcome, string? logPath)
    {
        if (mail.To.Count == 0 || !(outcome.Failed || mail.Always))
        {
            return null;
        }

        var to = string.Join(", ", mail.To);
        if (!run.CanRun("sendmail"))
        {
            log.Warn($"mail to {to} not sent: this machine has no sendmail");
            return $"mail to {to} not sent: no sendmail on this machine (install a mail transfer agent, e.g. postfix or msmtp-mta)";
        }

        // -t: the recipients come from the To: header; -oi: a line of a single dot does not end the message.
        var r = run.Run(new ProcessRequest("sendmail", ["-oi", "-t"]) { StandardInput = Message(mail, host, outcome, logPath), Timeout = TimeSpan.FromMinutes(5) });
        if (r.ExitCode != 0)
        {
            var why = (r.StandardError.Trim() is { Length: > 0 } e ? e : r.StandardOutput.Trim()).Split('\n')[0];
            log.Warn($"mail to {to} failed: sendmail exit {r.ExitCode}: {why}");
            return $"mail to {to} failed (sendmail exit {r.ExitCode}: {why})";
        }

        log.Info($"mailed the result to {to}");
        return null;
    }

    public static string Message(MailSettings mail, string host, ScheduledOutcome outcome, string? logPath)
    {
        var state = outcome.Failed ? $"FAILED (exit {outcome.ExitCode})" : "ok";
        var b = new StringBuilder();
        b.Append("To: ").Append(string.Join(", ", mail.To)).Append('\n');
        b.Append("Subject: mkcdrec on ").Append(host).Append(": scheduled ").Append(outcome.Job).Append(' ').Append(state).Append('\n');
        b.Append("Auto-Submitted: auto-generated\n");
        b.Append("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n");
        b.Append(outcome.Summary).Append("\n\n");
        var tail = outcome.Output.TakeLast(OutputLines).ToList();
        if (tail.Count > 0)
        {
            b.Append(tail.Count < outcome.Output.Count ? $"The last {tail.Count} lines of its output:\n" : "Its output:\n");
            foreach (var line in tail)
            {
                // A lone "." would end the message for a sendmail without -oi; indenting keeps every line as it was meant.
                b.Append("  ").Append(line).Append('\n');
            }
        }

        if (logPath is not null)
        {
            b.Append("\nThe log of this run on ").Append(host).Append(": ").Append(logPath).Append('\n');
        }

        return b.ToString();
    }
}
