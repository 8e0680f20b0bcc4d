<?php
require __DIR__ . '/app_info.php';
$info = array_map('htmlspecialchars', app_info());
?>
<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>my-ecs-php-app</title>
</head>
<body>
    <h1>my-ecs-php-app</h1>
    <dl>
        <dt>Version</dt><dd id="version"><?= $info['version'] ?></dd>
        <dt>Architecture</dt><dd id="architecture"><?= $info['architecture'] ?></dd>
        <dt>Container</dt><dd id="hostname"><?= $info['hostname'] ?></dd>
    </dl>
</body>
</html>
