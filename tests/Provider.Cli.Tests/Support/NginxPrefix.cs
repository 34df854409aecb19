using System.Diagnostics;

namespace Provider.Cli.Tests.Support;

/// <summary>A real nginx run from a temporary prefix over a rendered node tree (its nginx/*.conf under PREFIX/gen).</summary>
public static class NginxPrefix
{
    /// <summary>Writes PREFIX/nginx.conf, which includes PREFIX/gen/nginx/*.conf and keeps every path nginx writes under the prefix; returns its path.</summary>
    public static string WriteConfig(string p)
    {
        Directory.CreateDirectory(Path.Combine(p, "logs"));
        var conf = Path.Combine(p, "nginx.conf");
        File.WriteAllText(conf, $$"""
            pid {{p}}/nginx.pid;
            error_log {{p}}/logs/error.log;
            events {}
            http {
                access_log off;
                client_body_temp_path {{p}}/body; proxy_temp_path {{p}}/proxy;
                fastcgi_temp_path {{p}}/fcgi; uwsgi_temp_path {{p}}/uwsgi; scgi_temp_path {{p}}/scgi;
                include {{p}}/gen/nginx/*.conf;
            }
            """);
        return conf;
    }

    /// <summary>Runs a program to the end; its exit code and everything it printed (stderr, then stdout).</summary>
    public static (int Code, string Output) Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var output = process.StandardError.ReadToEnd() + stdout.Result;
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
