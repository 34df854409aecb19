using System.Diagnostics;

namespace Provider.Nodes.Secrets;

/// <summary>A refusal of a secrets operation: what went wrong and how to fix it (never a value).</summary>
public sealed class SecretsException(string message) : Provider.Nodes.Engine.OperationRefusedException(message);

/// <summary>
/// The age program (Debian's `age`, on this machine as on the nodes): no cryptography is written here. Plaintext goes
/// to age on stdin and comes back on stdout, never on a command line or in the environment; recipients (public)
/// and the identity file's path are arguments.
/// </summary>
public static class AgeTool
{
    public static string Program { get; set; } = "age";

    /// <summary>Armored ciphertext of <paramref name="plaintext"/> to every recipient.</summary>
    public static async Task<string> EncryptAsync(byte[] plaintext, IEnumerable<string> recipients, CancellationToken ct)
    {
        var args = new List<string> { "--encrypt", "--armor" };
        foreach (var r in recipients)
        {
            args.Add("--recipient");
            args.Add(r);
        }

        var (code, output, error) = await RunAsync(args, plaintext, ct);
        return code == 0 ? System.Text.Encoding.ASCII.GetString(output)
            : throw new SecretsException($"age could not encrypt: {error.Trim()}");
    }

    /// <summary>The plaintext of <paramref name="ciphertext"/>, opened with an age identity file or an SSH private key.</summary>
    public static async Task<byte[]> DecryptAsync(byte[] ciphertext, string identityFile, string what, CancellationToken ct)
    {
        if (!File.Exists(identityFile))
        {
            throw new SecretsException($"identity file {identityFile} does not exist; pass --identity-file FILE (an age key file or your SSH private key) or set HOSTENV_AGE_IDENTITY");
        }

        var (code, output, error) = await RunAsync(["--decrypt", "--identity", identityFile], ciphertext, ct);
        return code == 0 ? output
            : throw new SecretsException($"cannot open {what} with {identityFile}: {error.Trim().Replace("age: error: ", "", StringComparison.Ordinal)}; " +
                "use an identity whose public key is one of the file's recipients (provider.yaml secrets.recipients)");
    }

    private static async Task<(int Code, byte[] Stdout, string Stderr)> RunAsync(IReadOnlyList<string> args, byte[] stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new SecretsException("could not start age");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SecretsException("the `age` program is not installed here (Debian/Ubuntu: apt-get install age)");
        }

        using (process)
        {
            using var stdout = new MemoryStream();
            var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
            var readErr = process.StandardError.ReadToEndAsync(ct);
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, ct);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // age stopped reading (a bad recipient or identity): its exit code and stderr say why.
            }

            await readOut;
            var error = await readErr;
            await process.WaitForExitAsync(ct);
            return (process.ExitCode, stdout.ToArray(), error);
        }
    }
}
