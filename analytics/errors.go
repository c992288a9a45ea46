package analytics

import "fmt"

// ParamError reports an invalid request parameter. Param is the name the
// API uses for it (cell_m, band_m, bandwidth_m, points, threshold); the web
// layer maps it to HTTP 422.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return fmt.Sprintf("%s: %s", e.Param, e.Msg) }

// Field returns the parameter name.
func (e *ParamError) Field() string { return e.Param }

func paramErr(param, format string, a ...any) error {
	return &ParamError{Param: param, Msg: fmt.Sprintf(format, a...)}
}
