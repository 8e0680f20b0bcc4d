<?php
// What the page and the health endpoint report about this container.
// APP_VERSION is the commit the image was built from (Dockerfile build arg → env var);
// "dev" means the app runs outside an image built by the pipeline.
function app_info(): array
{
    $version = getenv('APP_VERSION');
    return [
        'version' => ($version === false || $version === '') ? 'dev' : $version,
        'architecture' => php_uname('m'),
        'hostname' => gethostname(),
    ];
}
