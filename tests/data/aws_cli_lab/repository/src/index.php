<?php
echo "<h1>Hello from " . htmlspecialchars(gethostname()) . "</h1>";
