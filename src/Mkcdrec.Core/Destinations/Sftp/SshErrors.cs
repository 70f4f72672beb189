namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>What OpenSSH's client said when it ended, as an error that says what to do.</summary>
internal static class SshErrors
{
    public static MkcdrecException Explain(string display, string said, Exception? inner = null)
    {
        var tail = said.Length > 600 ? said[^600..] : said;
        if (said.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal))
        {
            return new(ExitCode.Refused, $"The host key of {display} has CHANGED since it was recorded in known_hosts; mkcdrec does not connect.",
                "If the server was reinstalled, check the new key's fingerprint with its admin, then remove the old entry (ssh-keygen -R HOST) and "
                + "connect once with ssh to record the new one. Otherwise someone may be intercepting the connection.", inner);
        }

        if (said.Contains("Host key verification failed", StringComparison.Ordinal) || said.Contains("No ED25519 host key is known", StringComparison.Ordinal)
            || said.Contains("host key is known", StringComparison.Ordinal))
        {
            return new(ExitCode.Refused, $"The host key of {display} is not in known_hosts and was not confirmed; mkcdrec never accepts an unknown host key unasked.",
                "Connect once with ssh as the same user and check the fingerprint it shows (or add the key with ssh-keyscan after checking it), then run again; "
                + "in the rescue system put it in ssh/known_hosts on the keys medium, or run the recovery at the console and confirm the fingerprint the server's admin gives you.", inner);
        }

        if (said.Contains("Permission denied", StringComparison.Ordinal))
        {
            return new(ExitCode.BadInput, $"The SSH server {display} refused the login ({tail}).",
                "Check the user in the sftp:// URL and that its key is in the server's authorized_keys (ssh -v shows which keys are tried); "
                + "a backup run never asks (keys with a passphrase need ssh-agent); a recovery at the console lets ssh ask for a password.", inner);
        }

        if (said.Contains("Could not resolve", StringComparison.Ordinal) || said.Contains("Connection refused", StringComparison.Ordinal)
            || said.Contains("timed out", StringComparison.Ordinal) || said.Contains("No route to host", StringComparison.Ordinal))
        {
            return new(ExitCode.Environment, $"The SSH server {display} cannot be reached ({tail}).",
                "Check the host and port in the sftp:// URL, the network (in the rescue system: ip addr) and that sshd runs.", inner);
        }

        return new(ExitCode.Environment, $"The SSH connection to {display} ended unexpectedly{(tail.Length > 0 ? ": " + tail : "")}.",
            "Check the server (its disk, sshd's log) and the network, then run again.", inner);
    }
}
