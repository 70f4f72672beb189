namespace Mkcdrec.Core.Platform;

/// <summary>
/// A program that runs beside mkcdrec with its standard input and output as byte streams (a protocol spoken over
/// them: SFTP over `ssh -s`), its standard error collected for the message when it ends.
/// </summary>
public interface IPipedProcess : IDisposable
{
    Stream Input { get; }

    Stream Output { get; }

    /// <summary>Waits for the program to end (and its standard error to be read); false when it did not within the time.</summary>
    bool WaitForExit(TimeSpan timeout);

    /// <summary>What it wrote to standard error so far.</summary>
    string StandardError { get; }
}

/// <summary>Starts <see cref="IPipedProcess"/>es; implementations log every command line.</summary>
public interface IPipedProcessStarter
{
    IPipedProcess Start(ProcessRequest request);
}
