using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>How a recovery session talks to the person running it (the CLI's terminal; nobody in an unattended run).</summary>
public interface IRecoveryUser
{
    /// <summary>Whether there is someone to ask (a terminal on the input); an unattended request never asks anyway.</summary>
    bool CanAsk { get; }

    /// <summary>Shows what is about to be destroyed; true when the person agreed.</summary>
    bool Confirm(string summary);

    /// <summary>Shows <paramref name="prompt"/> and reads a secret without echo; null when <paramref name="timeout"/> (null: none) ran out.</summary>
    string? AskSecret(string prompt, TimeSpan? timeout);

    /// <summary>Progress lines, one per step; null when they are not shown (JSON output).</summary>
    Action<string>? Progress { get; }

    /// <summary>A line shown whatever the output format (the resume notice).</summary>
    void Notice(string line);

    /// <summary>A warning about the plan.</summary>
    void Warn(string warning);

    /// <summary>The plan a full recovery is about to carry out (not shown on resume).</summary>
    void ShowPlan(RecoveryPlan plan);
}
