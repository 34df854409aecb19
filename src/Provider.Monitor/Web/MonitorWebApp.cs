using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Api;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Pages;

namespace Provider.Monitor.Web;

/// <summary>
/// The monitor's web server: the dashboard pages, the JSON API under /api and the embedded assets, on Kestrel.
/// Create, <see cref="StartAsync"/>, read <see cref="Address"/>, <see cref="StopAsync"/>, dispose. The store and
/// the signal stay the caller's (not disposed here).
/// </summary>
public sealed class MonitorWebApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private MonitorWebApp(WebApplication app, MonitorRoutes routes)
    {
        this.app = app;
        Routes = routes;
    }

    /// <summary>The endpoint groups, so later features (authentication, write endpoints) attach filters in one place.</summary>
    public MonitorRoutes Routes { get; }

    /// <summary>Where the server listens, with the real port when the options asked for port 0. Valid after StartAsync.</summary>
    public Uri Address => Addresses[0];

    public IReadOnlyList<Uri> Addresses
    {
        get
        {
            var feature = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>();
            var addresses = feature?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
            return addresses.Count > 0 ? addresses : throw new InvalidOperationException("The monitor's web server has not been started.");
        }
    }

    /// <param name="configure">Adds services before the app is built (for example authentication); may be null.</param>
    public static MonitorWebApp Create(
        IMonitorStore store, CycleSignal signal, MonitorWebOptions options, TimeProvider? clock = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            // Not the working directory: an appsettings.json where the CLI happens to run must not reconfigure it.
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(MonitorWebApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseUrls(options.Url);
        if (options.Certificate is { } certificate)
        {
            // The slim builder leaves HTTPS out unless asked for.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        ConfigureLogging(builder, options);
        builder.Services.AddSingleton(new MonitorServices(store, signal, options, clock ?? TimeProvider.System));
        AddOptional(builder.Services, options.Tokens);
        AddOptional(builder.Services, options.Jobs);
        AddOptional(builder.Services, options.Queue);
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        // Always, also without tokens: then reads are open and writes refused, by the same policies.
        MonitorAuthentication.AddServices(builder.Services, options);
        if (options.LogRequests)
        {
            builder.Services.AddHttpLogging(o => o.LoggingFields =
                HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration);
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        if (options.LogRequests)
        {
            app.UseHttpLogging();
        }

        app.Use(SecurityHeaders.Apply);
        MonitorAuthentication.Use(app);
        var routes = MonitorRoutes.Map(app);
        return new MonitorWebApp(app, routes);
    }

    public Task StartAsync(CancellationToken ct) => app.StartAsync(ct);

    /// <summary>Stops listening; open event streams end, requests in flight finish.</summary>
    public Task StopAsync(CancellationToken ct) => app.StopAsync(ct);

    public Task WaitForShutdownAsync(CancellationToken ct) => app.WaitForShutdownAsync(ct);

    public ValueTask DisposeAsync() => app.DisposeAsync();

    /// <summary>So endpoints mapped later (the job API) can ask for the same instances by type.</summary>
    private static void AddOptional<T>(IServiceCollection services, T? instance)
        where T : class
    {
        if (instance is not null)
        {
            services.AddSingleton(instance);
        }
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, MonitorWebOptions options)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        // The host's start-up chatter ("Now listening on", "Application started") is the CLI's to print.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // Its one warning says the cookie keys are stored unencrypted: they sit, readable by the service's user
        // only, beside the database (see MonitorWebOptions.KeyDirectory), which is protected the same way.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        if (options.LogRequests)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information);
        }
    }
}

/// <summary>
/// The groups everything is mapped in: Api is /api (JSON), Pages the HTML dashboard, Assets /assets (open to all:
/// the login page needs them), Login /login and /logout. In Api and Pages, GET needs the Read scope and every
/// other method Deploy (<see cref="MonitorAuthentication.RequireScopeByMethod"/>), also for endpoints mapped later.
/// </summary>
public sealed record MonitorRoutes(RouteGroupBuilder Api, RouteGroupBuilder Pages, RouteGroupBuilder Assets, RouteGroupBuilder Login)
{
    public static MonitorRoutes Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireScopeByMethod();
        FleetApi.Map(api);
        LogsApi.Map(api);
        HistoryApi.Map(api);
        EventsApi.Map(api);
        LoginEndpoints.MapApi(api);

        var pages = app.MapGroup(string.Empty).RequireScopeByMethod();
        PageEndpoints.Map(pages);
        ActionEndpoints.Map(pages);

        var assets = app.MapGroup("/assets").AllowAnonymous();
        AssetEndpoints.Map(assets);
        var login = LoginEndpoints.Map(app);
        return new MonitorRoutes(api, pages, assets, login);
    }
}
