using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Cli.Commands;

/// <summary>The recovery session's person at the console: confirmation and passphrases on the terminal, progress on stdout.</summary>
internal sealed class TerminalRecoveryUser(CliContext ctx) : IRecoveryUser
{
    public bool CanAsk => !Console.IsInputRedirected;

    public Action<string>? Progress => ctx.Json ? null : line => Console.WriteLine(line);

    public bool Confirm(string summary)
    {
        Console.Error.Write(summary);
        Console.Error.Write("Type YES to go on: ");
        return Console.ReadLine()?.Trim() == "YES";
    }

    public string? AskSecret(string prompt, TimeSpan? timeout) => Terminal.ReadHidden(prompt, timeout);

    public void Notice(string line) => Console.WriteLine(line);

    public void Warn(string warning) => Console.Error.WriteLine("warning: " + warning);

    public void ShowPlan(RecoveryPlan plan)
    {
        if (!ctx.Json)
        {
            Console.Write(PlanRenderer.Render(plan));
        }
    }
}
