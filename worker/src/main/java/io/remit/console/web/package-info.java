@NullMarked
package io.remit.console.web;

import org.jspecify.annotations.NullMarked;
