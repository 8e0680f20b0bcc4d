<?php
// The ALB target group and the ECS container health check call this; any 200 means healthy.
require __DIR__ . '/app_info.php';
header('Content-Type: application/json');
header('Cache-Control: no-store');
$info = app_info();
echo json_encode(['status' => 'ok', 'version' => $info['version'], 'architecture' => $info['architecture']]), "\n";
